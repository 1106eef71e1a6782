-- After-sales: refunds get a type (refund only, or return and refund), evidence photos, the return's
-- shipment and the time they entered their status; two new open statuses (and the order statuses that show
-- them); stock returned once; buyers' uploads; the merchant's settings and their history.
-- SQLite cannot change a CHECK in place: Order and Refund are rebuilt as Prisma does (RedefineTables), with
-- foreign keys checked at commit.

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
CREATE TABLE "new_Order" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "orderNo" TEXT NOT NULL,
    "buyerId" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "totalFen" INTEGER NOT NULL,
    "refundedFen" INTEGER NOT NULL DEFAULT 0,
    "pendingRefundFen" INTEGER NOT NULL DEFAULT 0,
    "openRefundNo" TEXT,
    "refundCount" INTEGER NOT NULL DEFAULT 0,
    "prepayId" TEXT,
    "prepayAt" DATETIME,
    "transactionId" TEXT,
    "paidAt" DATETIME,
    "closedAt" DATETIME,
    "lastRefundCallAt" DATETIME,
    "address" TEXT,
    "shippingStatus" TEXT NOT NULL DEFAULT 'UNSHIPPED',
    "carrier" TEXT,
    "trackingNo" TEXT,
    "shippedAt" DATETIME,
    "receivedAt" DATETIME,
    "stockReturnedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Order_buyerId_fkey" FOREIGN KEY ("buyerId") REFERENCES "Buyer" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    -- money is guarded here too, not only in code: never refunded more than paid
    CONSTRAINT "Order_money_check" CHECK ("totalFen" >= 1 AND "refundedFen" >= 0 AND "pendingRefundFen" >= 0 AND "refundedFen" <= "totalFen" AND "refundCount" >= 0 AND "refundCount" <= 50),
    CONSTRAINT "Order_status_check" CHECK ("status" IN ('UNPAID', 'CLOSED', 'PAID', 'REFUND_REQUESTED', 'REFUND_AWAITING_RETURN', 'REFUND_RETURN_SHIPPED', 'REFUND_APPROVED', 'REFUNDING', 'REFUND_FAILED', 'PARTIALLY_REFUNDED', 'REFUNDED')),
    CONSTRAINT "Order_shippingStatus_check" CHECK ("shippingStatus" IN ('UNSHIPPED', 'SHIPPED', 'RECEIVED'))
);
INSERT INTO "new_Order" ("id", "orderNo", "buyerId", "status", "totalFen", "refundedFen", "pendingRefundFen", "openRefundNo", "refundCount", "prepayId", "prepayAt", "transactionId", "paidAt", "closedAt", "lastRefundCallAt", "address", "shippingStatus", "carrier", "trackingNo", "shippedAt", "receivedAt", "createdAt", "updatedAt")
SELECT "id", "orderNo", "buyerId", "status", "totalFen", "refundedFen", "pendingRefundFen", "openRefundNo", "refundCount", "prepayId", "prepayAt", "transactionId", "paidAt", "closedAt", "lastRefundCallAt", "address", "shippingStatus", "carrier", "trackingNo", "shippedAt", "receivedAt", "createdAt", "updatedAt" FROM "Order";
DROP TABLE "Order";
ALTER TABLE "new_Order" RENAME TO "Order";
CREATE UNIQUE INDEX "Order_orderNo_key" ON "Order"("orderNo");
CREATE UNIQUE INDEX "Order_openRefundNo_key" ON "Order"("openRefundNo");
CREATE INDEX "Order_buyerId_createdAt_idx" ON "Order"("buyerId", "createdAt");
CREATE INDEX "Order_status_createdAt_idx" ON "Order"("status", "createdAt");
CREATE INDEX "Order_shippingStatus_status_id_idx" ON "Order"("shippingStatus", "status", "id");
CREATE INDEX "Order_shippingStatus_shippedAt_idx" ON "Order"("shippingStatus", "shippedAt");

CREATE TABLE "new_Refund" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "refundNo" TEXT NOT NULL,
    "orderId" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "amountFen" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "rejectReason" TEXT,
    "failCode" TEXT,
    "failReason" TEXT,
    "source" TEXT NOT NULL DEFAULT 'BUYER',
    "wxRefundId" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "queries" INTEGER NOT NULL DEFAULT 0,
    "lastErrorCode" TEXT,
    "acceptedAt" DATETIME,
    "nextAttemptAt" DATETIME,
    "refundedAt" DATETIME,
    "type" TEXT NOT NULL DEFAULT 'REFUND_ONLY',
    "images" TEXT,
    "returnCarrier" TEXT,
    "returnTrackingNo" TEXT,
    "returnShippedAt" DATETIME,
    "statusAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Refund_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Refund_amount_check" CHECK ("amountFen" >= 1),
    CONSTRAINT "Refund_status_check" CHECK ("status" IN ('REQUESTED', 'AWAITING_RETURN', 'RETURN_SHIPPED', 'APPROVED', 'REFUNDING', 'REFUNDED', 'REJECTED', 'CANCELLED', 'FAILED')),
    CONSTRAINT "Refund_type_check" CHECK ("type" IN ('REFUND_ONLY', 'RETURN_AND_REFUND'))
);
INSERT INTO "new_Refund" ("id", "refundNo", "orderId", "status", "amountFen", "reason", "rejectReason", "failCode", "failReason", "source", "wxRefundId", "attempts", "queries", "lastErrorCode", "acceptedAt", "nextAttemptAt", "refundedAt", "statusAt", "createdAt", "updatedAt")
SELECT "id", "refundNo", "orderId", "status", "amountFen", "reason", "rejectReason", "failCode", "failReason", "source", "wxRefundId", "attempts", "queries", "lastErrorCode", "acceptedAt", "nextAttemptAt", "refundedAt", "updatedAt", "createdAt", "updatedAt" FROM "Refund";
DROP TABLE "Refund";
ALTER TABLE "new_Refund" RENAME TO "Refund";
CREATE UNIQUE INDEX "Refund_refundNo_key" ON "Refund"("refundNo");
CREATE INDEX "Refund_status_createdAt_idx" ON "Refund"("status", "createdAt");
CREATE INDEX "Refund_status_nextAttemptAt_idx" ON "Refund"("status", "nextAttemptAt");
CREATE INDEX "Refund_status_statusAt_idx" ON "Refund"("status", "statusAt");
CREATE INDEX "Refund_orderId_idx" ON "Refund"("orderId");
CREATE INDEX "Refund_createdAt_idx" ON "Refund"("createdAt");
-- at most one open refund per order, whatever the code does
CREATE UNIQUE INDEX "Refund_one_open_per_order" ON "Refund"("orderId") WHERE "status" IN ('REQUESTED', 'AWAITING_RETURN', 'RETURN_SHIPPED', 'APPROVED', 'REFUNDING', 'FAILED');
PRAGMA defer_foreign_keys=OFF;

-- CreateTable
CREATE TABLE "Upload" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "buyerId" INTEGER NOT NULL,
    "contentType" TEXT NOT NULL,
    "bytes" BLOB NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Upload_buyerId_fkey" FOREIGN KEY ("buyerId") REFERENCES "Buyer" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Upload_type_check" CHECK ("contentType" IN ('image/jpeg', 'image/png', 'image/webp') AND "sizeBytes" >= 1)
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SettingChange" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "key" TEXT NOT NULL,
    "fromValue" TEXT,
    "toValue" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "Upload_buyerId_idx" ON "Upload"("buyerId");

-- CreateIndex
CREATE INDEX "SettingChange_key_at_idx" ON "SettingChange"("key", "at");
