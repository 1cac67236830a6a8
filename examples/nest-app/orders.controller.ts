import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { AuditLevel } from '../../src/nest/index.js';

interface Order {
  id: string;
  item: string;
}

/** Orders: audited by the policy's `/orders*` rules; creating one records both bodies. */
@Controller('orders')
export class OrdersController {
  private readonly orders = new Map<string, Order>();

  @Get()
  list(): Order[] {
    return [...this.orders.values()];
  }

  @Get(':id')
  get(@Param('id') id: string): Order {
    const order = this.orders.get(id);
    if (order === undefined) throw new NotFoundException(`order ${id} not found`);
    return order;
  }

  @Post()
  @AuditLevel('RequestResponse')
  create(@Body() body: { item?: unknown }): Order {
    const order = { id: String(this.orders.size + 1), item: String(body.item) };
    this.orders.set(order.id, order);
    return order;
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id') id: string): void {
    this.orders.delete(id);
  }
}
