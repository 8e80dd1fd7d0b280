import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync } from 'node:fs';
import { AppModule } from './app.module.js';
import { setUpHttpApp } from './app.setup.js';
import { EnvValidationError, loadAppConfig } from './config/app.config.js';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let port: number;
  try {
    port = loadAppConfig(process.env).port;
  } catch (err) {
    if (err instanceof EnvValidationError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), {
    logger: ['error', 'warn', 'log'],
  });
  setUpHttpApp(app);
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
  new Logger('Bootstrap').log(`Listening on http://localhost:${port}`);
}

void bootstrap();
