-- What the payment intent had refunded before an entry's call: a refund
-- whose resend is refused is settled by reads of the refunded amount,
-- compared with this. Entries from before it have none (NULL), and such a
-- refund is settled by resending it with its key alone.
ALTER TABLE dojo_journal ADD COLUMN before_refunded BIGINT;
