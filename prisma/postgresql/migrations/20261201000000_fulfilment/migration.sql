-- Fulfilment: the delivery address and shipping state on orders, the order's event history, the outbox of
-- calls to WeChat that follow a change, and the WeChat access token shared by every instance.

-- AlterTable
ALTER TABLE "Order" ADD COLUMN "address" TEXT,
ADD COLUMN "shippingStatus" TEXT NOT NULL DEFAULT 'UNSHIPPED',
ADD COLUMN "carrier" TEXT,
ADD COLUMN "trackingNo" TEXT,
ADD COLUMN "shippedAt" TIMESTAMP(3),
ADD COLUMN "receivedAt" TIMESTAMP(3),
ADD CONSTRAINT "Order_shippingStatus_check" CHECK ("shippingStatus" IN ('UNSHIPPED', 'SHIPPED', 'RECEIVED'));

-- CreateTable
CREATE TABLE "OrderEvent" (
    "id" SERIAL NOT NULL,
    "orderId" INTEGER NOT NULL,
    "fromStatus" TEXT,
    "toStatus" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "note" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "OrderEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "causeKey" TEXT NOT NULL,
    "orderId" INTEGER,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3),
    "inFlightAt" TIMESTAMP(3),
    "lastError" TEXT,
    "doneAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "OutboxMessage_status_check" CHECK ("status" IN ('PENDING', 'DONE', 'FAILED') AND "attempts" >= 0),
    CONSTRAINT "OutboxMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlatformToken" (
    "id" TEXT NOT NULL,
    "accessToken" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "PlatformToken_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Order_shippingStatus_status_id_idx" ON "Order"("shippingStatus", "status", "id");

-- CreateIndex
CREATE INDEX "Order_shippingStatus_shippedAt_idx" ON "Order"("shippingStatus", "shippedAt");

-- CreateIndex
CREATE INDEX "OrderEvent_orderId_idx" ON "OrderEvent"("orderId");

-- CreateIndex
CREATE UNIQUE INDEX "OutboxMessage_causeKey_key" ON "OutboxMessage"("causeKey");

-- CreateIndex
CREATE INDEX "OutboxMessage_status_nextAttemptAt_idx" ON "OutboxMessage"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "OutboxMessage_orderId_idx" ON "OutboxMessage"("orderId");

-- AddForeignKey
ALTER TABLE "OrderEvent" ADD CONSTRAINT "OrderEvent_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
