-- Parking by age (issue 9 §2, Delivery/Parking.cs): when the current run of plugin failures for a recipient began
-- (unix milliseconds); null when its last update was not a plugin failure. A retry that un-parks clears it.
ALTER TABLE queue_recipients ADD COLUMN failing_since INTEGER;
