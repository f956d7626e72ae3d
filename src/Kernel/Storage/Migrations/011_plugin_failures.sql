-- Parking by count for transport plugins (issue 9 §2, Delivery/Parking.cs): how many plugin failures (exception or
-- deadline, never a remote server's reply) a recipient has had in a row. A remote recipient's attempts also count the
-- remote servers' 4xx replies, so the run needs its own counter; any other outcome and a retry that un-parks reset it.
ALTER TABLE queue_recipients ADD COLUMN plugin_failures INTEGER NOT NULL DEFAULT 0;
