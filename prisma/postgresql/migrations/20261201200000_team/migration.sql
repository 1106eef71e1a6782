-- The merchant's team: each person has a role and can be disabled; every event names the role of the
-- person who made it. Existing admins become owners.

-- AlterTable
ALTER TABLE "AdminUser" ADD COLUMN "role" TEXT NOT NULL DEFAULT 'OWNER',
ADD COLUMN "disabled" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "lastLoginAt" TIMESTAMP(3),
ADD CONSTRAINT "AdminUser_role_check" CHECK ("role" IN ('OWNER', 'SERVICE', 'WAREHOUSE', 'FINANCE'));

-- AlterTable
ALTER TABLE "RefundEvent" ADD COLUMN "role" TEXT;

-- AlterTable
ALTER TABLE "OrderEvent" ADD COLUMN "role" TEXT;
