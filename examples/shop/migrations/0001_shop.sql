-- The shop's own records. Portable SQL: the same file runs on SQLite and
-- PostgreSQL (text ids, BIGINT minor units, RFC 3339 times as text).

-- Dojo customer of each email: found or created once, never per payment.
CREATE TABLE customers (
    email TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL
);

-- An order; its payment state changes only on verified webhook events.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                -- purchase | phone | no_show_fee
    reference TEXT NOT NULL,           -- the payment intent's reference
    email TEXT NOT NULL,
    description TEXT NOT NULL,
    amount BIGINT NOT NULL,            -- minor units
    currency TEXT NOT NULL,
    capture_mode TEXT NOT NULL,        -- Auto | Manual
    payment_intent_id TEXT UNIQUE,
    status TEXT NOT NULL,              -- see src/order.rs
    status_rank BIGINT NOT NULL,       -- a status never goes back
    captured BIGINT NOT NULL,
    refunded BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX orders_reference ON orders (reference);

-- Each webhook event applied once: its id is the key.
CREATE TABLE webhook_events (
    event_id TEXT PRIMARY KEY,
    order_id TEXT,                     -- NULL: not an order of this shop
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX webhook_events_order ON webhook_events (order_id);

-- Refunds and captures are in dojo_journal (dojo-payments-sqlx), and the
-- ids of processed webhook events in dojo_processed_events: both made by
-- the shop at start-up, in this same database.

-- A table booking with a no-show fee: a setup intent the customer
-- authorized at checkout.
CREATE TABLE bookings (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    party_size BIGINT NOT NULL,
    fee BIGINT NOT NULL,
    currency TEXT NOT NULL,
    setup_intent_id TEXT UNIQUE,
    fee_order_id TEXT,
    created_at TEXT NOT NULL
);
