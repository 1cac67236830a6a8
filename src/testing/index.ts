// rx-audit/testing — a real audit webhook receiver and marble-test helpers.
export {};
