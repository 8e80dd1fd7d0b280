import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { AppModule } from './app.module.js';
import { createHttpApp } from './app.setup.js';
import { RequestIdLogger } from './observability/request-id.logger.js';
import { EnvValidationError, loadAppConfig, type AppConfig } from './config/app.config.js';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: AppConfig;
  try {
    config = loadAppConfig(process.env);
  } catch (err) {
    if (err instanceof EnvValidationError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const app = await createHttpApp(AppModule.forRoot(), {
    adapter: config.server.httpAdapter,
    // Every line written during a request carries its id (src/observability/request-id.logger.ts).
    logger: new RequestIdLogger({ logLevels: ['error', 'warn', 'log'] }),
  });
  const { host, httpAdapter } = config.server;
  await app.listen(config.port, host);
  new Logger('Bootstrap').log(
    `Listening on ${host.includes(':') ? `[${host}]` : host}:${config.port} (${httpAdapter})`,
  );
}

void bootstrap();
