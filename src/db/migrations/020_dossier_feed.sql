-- The national portal's feed of dossier changes (GET
-- /api/v1/integration/dossier-changes, src/domains/dossiers/feed.c): every
-- history event keeps the portal's fields of its dossier as they stood
-- right after that change, so that a job reading the feed late still pushes
-- each change with the dates, fee and flags it had then (not the dossier's
-- later state). The fields that never change once a dossier is filed
-- (code, procedure, channel, agencies, applicant kind, submitted_at) are
-- read from dossiers. Local minutes like dossiers' columns; flags the DF_*
-- bits of dossiers.flags; rating NULL until rated. Written by dz_event
-- (flow.c) with the event, in the same write.
--
-- The feed pages on dossier_events.id (its primary key: no other index is
-- needed). Every write transaction is serialised (BEGIN IMMEDIATE on SQLite,
-- the write advisory lock on PostgreSQL, db_pg.c), so ids are committed in
-- the order they are given: a reader never sees id n+1 before id n, and a
-- cursor never skips a change committed later.
ALTER TABLE dossier_events ADD COLUMN received_at INTEGER;
ALTER TABLE dossier_events ADD COLUMN due_at INTEGER;
ALTER TABLE dossier_events ADD COLUMN finished_at INTEGER;
ALTER TABLE dossier_events ADD COLUMN returned_at INTEGER;
ALTER TABLE dossier_events ADD COLUMN paid_at INTEGER;
ALTER TABLE dossier_events ADD COLUMN fee_vnd INTEGER;
ALTER TABLE dossier_events ADD COLUMN supplements INTEGER;
ALTER TABLE dossier_events ADD COLUMN flags INTEGER;
ALTER TABLE dossier_events ADD COLUMN rating INTEGER;

-- The events written before this migration: their fields rebuilt from the
-- dossier as it stands, masked by what the event can know: an instant
-- counts from the minute it happened, there is no due instant before
-- receipt or while a supplement is awaited, supplements are counted from
-- the history, the rating shows from the rating on (or on the return, for
-- dossiers rated without an event: the demo's), the online-payment and
-- online-result bits from their instants. demo.c writes its events the
-- same way.
UPDATE dossier_events SET
    received_at = (SELECT d.received_at FROM dossiers d
                   WHERE d.id = dossier_events.dossier_id AND d.received_at <= dossier_events.at_min),
    finished_at = (SELECT d.finished_at FROM dossiers d
                   WHERE d.id = dossier_events.dossier_id AND d.finished_at <= dossier_events.at_min),
    returned_at = (SELECT d.returned_at FROM dossiers d
                   WHERE d.id = dossier_events.dossier_id AND d.returned_at <= dossier_events.at_min),
    paid_at = (SELECT d.paid_at FROM dossiers d
               WHERE d.id = dossier_events.dossier_id AND d.paid_at <= dossier_events.at_min),
    due_at = CASE WHEN dossier_events.to_status IN (1, 3, 5) THEN NULL ELSE
                 (SELECT d.due_at FROM dossiers d WHERE d.id = dossier_events.dossier_id
                  AND d.received_at <= dossier_events.at_min) END,
    fee_vnd = (SELECT d.fee_vnd FROM dossiers d WHERE d.id = dossier_events.dossier_id),
    supplements = (SELECT COUNT(*) FROM dossier_events s
                   WHERE s.dossier_id = dossier_events.dossier_id
                   AND s.action = 'request_supplement' AND s.id <= dossier_events.id),
    rating = CASE WHEN dossier_events.to_status = 10 AND (dossier_events.action = 'rate' OR NOT EXISTS
                 (SELECT 1 FROM dossier_events r WHERE r.dossier_id = dossier_events.dossier_id
                  AND r.action = 'rate' AND r.id > dossier_events.id))
             THEN (SELECT d.rating FROM dossiers d WHERE d.id = dossier_events.dossier_id) END
WHERE flags IS NULL;
-- 51 = DF_TOAN_TRINH | DF_POPULATION | DF_DIGITISED | DF_REUSED; 4 paid
-- online, 8 result online, 64 more than one supplement request
UPDATE dossier_events SET
    flags = (SELECT (d.flags & 51)
                 | (CASE WHEN dossier_events.paid_at IS NOT NULL THEN d.flags & 4 ELSE 0 END)
                 | (CASE WHEN dossier_events.returned_at IS NOT NULL THEN d.flags & 8 ELSE 0 END)
                 | (CASE WHEN dossier_events.supplements > 1 THEN 64 ELSE 0 END)
             FROM dossiers d WHERE d.id = dossier_events.dossier_id)
WHERE flags IS NULL;
