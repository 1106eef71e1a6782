-- The merchant's team: each person has a role and can be disabled; every event names the role of the
-- person who made it. Existing admins become owners.

-- AlterTable
ALTER TABLE "AdminUser" ADD COLUMN "role" TEXT NOT NULL DEFAULT 'OWNER' CHECK ("role" IN ('OWNER', 'SERVICE', 'WAREHOUSE', 'FINANCE'));
ALTER TABLE "AdminUser" ADD COLUMN "disabled" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "AdminUser" ADD COLUMN "lastLoginAt" DATETIME;

-- AlterTable
ALTER TABLE "RefundEvent" ADD COLUMN "role" TEXT;

-- AlterTable
ALTER TABLE "OrderEvent" ADD COLUMN "role" TEXT;
