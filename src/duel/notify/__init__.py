"""The launch-notification exchange: signed, acknowledged, deduplicated and logged exercise notices."""
