import { Controller, Get, Header } from '@nestjs/common';
import { Public } from 'nestjs-wristband';
import { HOME_PAGE } from './home.page.js';

/** The demo page: who is logged in, Log in / Log out, and a button calling `/api/me`. */
@Public()
@Controller()
export class HomeController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header(
    'content-security-policy',
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'",
  )
  home(): string {
    return HOME_PAGE;
  }
}
