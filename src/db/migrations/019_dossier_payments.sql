-- Payments of a dossier's fees (the pay action, platform/pay; decisions §40):
-- one row per payment recorded, with who confirmed it (an officer for the
-- manual adapter, the gateway for an online one), the provider's reference
-- and the receipt's number (the dossier code and the payment's sequence:
-- 000.20.01.H06-261202-0007/1), printed as the fee receipt form.
CREATE TABLE dossier_payments (
    id INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id),
    seq INTEGER NOT NULL,
    amount_vnd INTEGER NOT NULL,
    way TEXT NOT NULL,
    provider TEXT NOT NULL,
    online INTEGER NOT NULL,
    reference TEXT,
    receipt_no TEXT NOT NULL UNIQUE,
    paid_at TEXT NOT NULL,
    paid_min INTEGER NOT NULL,
    confirmed_by TEXT NOT NULL,
    confirmed_name TEXT,
    UNIQUE (dossier_id, seq)
);
