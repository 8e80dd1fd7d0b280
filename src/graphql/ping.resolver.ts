import { Query, Resolver } from '@nestjs/graphql';
import { Public } from 'nestjs-wristband';

/** A liveness probe through the GraphQL stack: answers without credentials, even with `globalGuard`. */
@Resolver()
export class PingResolver {
  @Query(() => String)
  @Public()
  ping(): string {
    return 'pong';
  }
}
