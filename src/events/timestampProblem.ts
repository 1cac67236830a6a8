// Not public: RFC 3339 timestamps checked the way the apiserver's Go code reads them.

/** Days in each month of a common year, January first. */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** `value[at, at + n)` as a number when it is `n` ASCII digits, else -1. */
function digits(value: string, at: number, n: number): number {
  if (at + n > value.length) return -1;
  let x = 0;
  for (let i = at; i < at + n; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    x = x * 10 + c;
  }
  return x;
}

function isDigit(value: string, at: number): boolean {
  const c = value.charCodeAt(at);
  return c >= 48 && c <= 57;
}

/**
 * Why `value` is not a timestamp Go's `time.Parse(time.RFC3339Nano, value)` accepts, or `undefined` when it
 * is one. That is: `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)` with an upper-case `T` and `Z`, a real
 * calendar date (leap years included), hour 0–23 (Go also reads a one-digit hour), minute and second 0–59
 * (no leap second), a fraction of one or more digits after `.` or `,`, and an offset whose hour is at most
 * 24 and minute at most 60 (Go's own ranges); nothing after it.
 *
 * @param value The string to check.
 * @returns A short reason (`month out of range`, `day out of range`, …), or `undefined`.
 */
export function timestampProblem(value: string): string | undefined {
  const year = digits(value, 0, 4);
  if (year < 0 || value[4] !== '-') return 'not a YYYY-MM-DD date';
  const month = digits(value, 5, 2);
  if (month < 0 || value[7] !== '-') return 'not a YYYY-MM-DD date';
  if (month < 1 || month > 12) return 'month out of range';
  const day = digits(value, 8, 2);
  if (day < 0) return 'not a YYYY-MM-DD date';
  if (value[10] !== 'T') return 'no "T" between date and time';
  // Go's layout "15" reads one or two digits.
  const hourDigits = isDigit(value, 12) ? 2 : 1;
  const hour = digits(value, 11, hourDigits);
  let at = 11 + hourDigits;
  if (hour < 0 || value[at] !== ':') return 'not an hh:mm:ss time';
  const minute = digits(value, at + 1, 2);
  if (minute < 0 || value[at + 3] !== ':') return 'not an hh:mm:ss time';
  const second = digits(value, at + 4, 2);
  if (second < 0) return 'not an hh:mm:ss time';
  at += 6;
  if (hour > 23) return 'hour out of range';
  if (minute > 59) return 'minute out of range';
  if (second > 59) return 'second out of range';
  if ((value[at] === '.' || value[at] === ',') && isDigit(value, at + 1)) {
    at += 2;
    while (isDigit(value, at)) at++;
  }
  const zone = value[at];
  if (zone === 'Z') {
    at += 1;
  } else if (zone === '+' || zone === '-') {
    const offsetHour = digits(value, at + 1, 2);
    const offsetMinute = value[at + 3] === ':' ? digits(value, at + 4, 2) : -1;
    if (offsetHour < 0 || offsetMinute < 0) return 'time zone offset not ±hh:mm';
    if (offsetHour > 24) return 'time zone offset hour out of range';
    if (offsetMinute > 60) return 'time zone offset minute out of range';
    at += 6;
  } else {
    return 'no "Z" or ±hh:mm time zone';
  }
  if (at !== value.length) return 'extra text after the time zone';
  const days = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day < 1 || day > days) return 'day out of range';
  return undefined;
}
