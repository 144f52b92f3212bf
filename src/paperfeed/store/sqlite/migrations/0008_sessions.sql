-- Web (issue 5): signing out ends every session of the reader. Session cookies are signed and
-- carry the epoch they were issued in; sign-out bumps it, so a copied cookie stops working
-- (a stateless cookie alone would stay valid for its 30 days).
ALTER TABLE readers ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
