// Prisma CLI configuration: the schema lives in prisma/; the URL is only needed by `prisma migrate`,
// which wx-mall replaces with server/db/migrate.ts (the CLI cannot fetch its schema engine offline).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'file:./data/mall.db' },
});
