import { Injectable } from '@nestjs/common';

export interface Project {
  id: string;
  tenantId: string;
  name: string;
}

/** Example data: every project belongs to one tenant (by Wristband tenant id). */
@Injectable()
export class ProjectsService {
  private readonly projects: Project[] = [];

  /** Adds a couple of sample projects for a tenant the first time it is seen. */
  forTenant(tenantId: string): Project[] {
    if (!this.projects.some((p) => p.tenantId === tenantId)) {
      this.projects.push(
        { id: `${tenantId}-p1`, tenantId, name: 'Onboarding' },
        { id: `${tenantId}-p2`, tenantId, name: 'Quarterly billing' },
      );
    }
    return this.projects.filter((p) => p.tenantId === tenantId);
  }

  create(tenantId: string, name: string): Project {
    const project = { id: `${tenantId}-p${this.projects.length + 1}`, tenantId, name };
    this.projects.push(project);
    return project;
  }
}
