-- After-sales: refunds get a type (refund only, or return and refund), evidence photos, the return's
-- shipment and the time they entered their status; two new open statuses (and the order statuses that show
-- them); stock returned once; buyers' uploads; the merchant's settings and their history.

-- AlterTable
ALTER TABLE "Order" ADD COLUMN "stockReturnedAt" TIMESTAMP(3),
DROP CONSTRAINT "Order_status_check",
ADD CONSTRAINT "Order_status_check" CHECK ("status" IN ('UNPAID', 'CLOSED', 'PAID', 'REFUND_REQUESTED', 'REFUND_AWAITING_RETURN', 'REFUND_RETURN_SHIPPED', 'REFUND_APPROVED', 'REFUNDING', 'REFUND_FAILED', 'PARTIALLY_REFUNDED', 'REFUNDED'));

-- AlterTable
ALTER TABLE "Refund" ADD COLUMN "type" TEXT NOT NULL DEFAULT 'REFUND_ONLY',
ADD COLUMN "images" TEXT,
ADD COLUMN "returnCarrier" TEXT,
ADD COLUMN "returnTrackingNo" TEXT,
ADD COLUMN "returnShippedAt" TIMESTAMP(3),
ADD COLUMN "statusAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
DROP CONSTRAINT "Refund_status_check",
ADD CONSTRAINT "Refund_status_check" CHECK ("status" IN ('REQUESTED', 'AWAITING_RETURN', 'RETURN_SHIPPED', 'APPROVED', 'REFUNDING', 'REFUNDED', 'REJECTED', 'CANCELLED', 'FAILED')),
ADD CONSTRAINT "Refund_type_check" CHECK ("type" IN ('REFUND_ONLY', 'RETURN_AND_REFUND'));
UPDATE "Refund" SET "statusAt" = "updatedAt";

-- at most one open refund per order, whatever the code does
DROP INDEX "Refund_one_open_per_order";
CREATE UNIQUE INDEX "Refund_one_open_per_order" ON "Refund"("orderId") WHERE "status" IN ('REQUESTED', 'AWAITING_RETURN', 'RETURN_SHIPPED', 'APPROVED', 'REFUNDING', 'FAILED');

-- CreateTable
CREATE TABLE "Upload" (
    "id" TEXT NOT NULL,
    "buyerId" INTEGER NOT NULL,
    "contentType" TEXT NOT NULL,
    "bytes" BYTEA NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Upload_type_check" CHECK ("contentType" IN ('image/jpeg', 'image/png', 'image/webp') AND "sizeBytes" >= 1),
    CONSTRAINT "Upload_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "SettingChange" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "fromValue" TEXT,
    "toValue" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SettingChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Refund_status_statusAt_idx" ON "Refund"("status", "statusAt");

-- CreateIndex
CREATE INDEX "Upload_buyerId_idx" ON "Upload"("buyerId");

-- CreateIndex
CREATE INDEX "SettingChange_key_at_idx" ON "SettingChange"("key", "at");

-- AddForeignKey
ALTER TABLE "Upload" ADD CONSTRAINT "Upload_buyerId_fkey" FOREIGN KEY ("buyerId") REFERENCES "Buyer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
