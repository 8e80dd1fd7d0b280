import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { AdminModule } from '../admin/admin.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { AdminStatsResolver } from './admin-stats.resolver.js';
import { graphqlContext } from './graphql-context.js';
import { MeResolver } from './me.resolver.js';
import { PingResolver } from './ping.resolver.js';
import { ProjectsResolver } from './projects.resolver.js';

export interface AppGraphqlOptions {
  /** `NODE_ENV=production`: no introspection, no GraphiQL page. */
  production: boolean;
}

/**
 * `POST /graphql` (code-first, Apollo on Express or Fastify): `me`, `adminStats`, `projects`,
 * `createProject` and the public `ping`, guarded by `WristbandGuard` like their REST twins.
 */
@Module({})
export class AppGraphqlModule {
  static forRoot(options: AppGraphqlOptions): DynamicModule {
    return {
      module: AppGraphqlModule,
      imports: [
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          path: '/graphql',
          // Built in memory at startup: nothing is written to disk.
          autoSchemaFile: true,
          sortSchema: true,
          context: graphqlContext,
          includeStacktraceInErrorResponses: false,
          introspection: !options.production,
          graphiql: !options.production,
          // Apollo refuses simple (CORS-free) requests: a JSON POST or a header-carrying GET passes.
          csrfPrevention: true,
        }),
        AdminModule,
        TenantsModule,
      ],
      providers: [PingResolver, MeResolver, AdminStatsResolver, ProjectsResolver],
    };
  }
}
