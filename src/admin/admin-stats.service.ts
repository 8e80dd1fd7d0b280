import { Injectable } from '@nestjs/common';

export interface AdminStats {
  tenantId: string;
  activeUsers: number;
  openInvoices: number;
}

/** Example data for the admin routes (REST `GET /api/admin/stats` and GraphQL `adminStats`). */
@Injectable()
export class AdminStatsService {
  forTenant(tenantId: string): AdminStats {
    return { tenantId, activeUsers: 42, openInvoices: 7 };
  }
}
