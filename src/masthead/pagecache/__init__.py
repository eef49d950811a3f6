"""The page cache: one stored copy of each public page per audience, served without rendering
(and, for anonymous readers, before Django) until something the page shows changes."""
