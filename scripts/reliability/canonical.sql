-- Every participant's data as one JSON document, in a fixed order, and its SHA-256.
-- Keys are natural (handle, round number, date, link position), never database ids, so a
-- restore by pg_restore and one by the JSON importer (new ids) hash alike when the content is equal.
-- Timestamps and the cache version are left out: an import sets them anew.
-- Output: sha256|users|rounds|entries|links|entry tags
WITH
  users AS (
    SELECT coalesce(json_agg(json_build_array(handle, display_name, time_zone, rollover_hour, language)
                             ORDER BY handle), '[]') AS doc, count(*) AS n
    FROM accounts_user),
  rounds AS (
    SELECT coalesce(json_agg(json_build_array(u.handle, r.number, r.title, r.start_date, r.target, r.rule,
                                              r.visibility, r.description, r.description_html)
                             ORDER BY u.handle, r.number), '[]') AS doc, count(*) AS n
    FROM journal_round r JOIN accounts_user u ON u.id = r.user_id),
  entries AS (
    SELECT coalesce(json_agg(json_build_array(u.handle, r.number, e.date, e.day, e.title, e.progress,
                                              e.progress_html, e.thoughts, e.thoughts_html, e.minutes)
                             ORDER BY u.handle, r.number, e.date), '[]') AS doc, count(*) AS n
    FROM journal_entry e JOIN journal_round r ON r.id = e.round_id JOIN accounts_user u ON u.id = r.user_id),
  links AS (
    SELECT coalesce(json_agg(json_build_array(u.handle, r.number, e.date, l.position, l.url, l.label)
                             ORDER BY u.handle, r.number, e.date, l.position, l.url, l.label), '[]') AS doc,
           count(*) AS n
    FROM journal_link l JOIN journal_entry e ON e.id = l.entry_id JOIN journal_round r ON r.id = e.round_id
    JOIN accounts_user u ON u.id = r.user_id),
  tags AS (
    SELECT coalesce(json_agg(json_build_array(u.handle, r.number, e.date, t.name)
                             ORDER BY u.handle, r.number, e.date, t.name), '[]') AS doc, count(*) AS n
    FROM journal_entry_tags et JOIN journal_tag t ON t.id = et.tag_id JOIN journal_entry e ON e.id = et.entry_id
    JOIN journal_round r ON r.id = e.round_id JOIN accounts_user u ON u.id = r.user_id)
SELECT encode(sha256(convert_to(json_build_array(users.doc, rounds.doc, entries.doc, links.doc, tags.doc)::text,
                                'UTF8')), 'hex'),
       users.n, rounds.n, entries.n, links.n, tags.n
FROM users, rounds, entries, links, tags;
