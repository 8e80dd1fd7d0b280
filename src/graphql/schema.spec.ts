import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { printSchema } from 'graphql';
import { AdminStatsResolver } from './admin-stats.resolver.js';
import { MeResolver } from './me.resolver.js';
import { PingResolver } from './ping.resolver.js';
import { ProjectsResolver } from './projects.resolver.js';

/** The schema clients are promised (README "GraphQL"), field for field. */
const EXPECTED = `
type AdminStats {
  activeUsers: Int!
  openInvoices: Int!
  tenantId: ID!
}

type Me {
  email: String
  roles: [String!]!
  tenantId: ID!
  tenantName: String!
  userId: ID!
}

type Mutation {
  createProject(name: String!, tenantId: ID!): Project!
}

type Project {
  id: ID!
  name: String!
  tenantId: ID!
}

type Query {
  adminStats: AdminStats!
  me: Me!
  ping: String!
  projects(tenantId: ID!): [Project!]!
}
`;

describe('GraphQL schema of the example app', () => {
  it('is exactly the published one', async () => {
    // The resolvers as the app registers them, built without an HTTP server (the same code-first builder).
    const context = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, {
      logger: false,
    });
    try {
      const schema = await context
        .get(GraphQLSchemaFactory)
        .create([PingResolver, MeResolver, AdminStatsResolver, ProjectsResolver], {
          noDuplicatedFields: true,
        });
      const printed = printSchema(schema);
      expect(normalize(printed)).toBe(normalize(EXPECTED));
    } finally {
      await context.close();
    }
  });
});

/** Types and fields in alphabetical order, arguments too (as `sortSchema: true` prints them). */
function normalize(sdl: string): string {
  return sdl
    .trim()
    .split(/\n\n+/)
    .map((block) => {
      const [head, ...rest] = block.split('\n');
      const fields = rest
        .filter((line) => line !== '}')
        .map((line) =>
          line.replace(
            /\(([^)]*)\)/,
            (_, args: string) => `(${args.split(', ').sort().join(', ')})`,
          ),
        )
        .sort();
      return [head, ...fields, '}'].join('\n');
    })
    .sort()
    .join('\n\n');
}
