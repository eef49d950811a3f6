"""The rollup: rebuilds a publication's reporting tables for one local day, idempotently.

Every table is rebuilt from the source tables (subscriptions, paid subscriptions and grants,
deliveries and their events, page hits, likes, comments, restacks) by aggregate queries, fixed
in number whatever the number of posts or subscribers, and written in one transaction: the
day's rows are deleted and inserted again, so running it twice gives the same rows.

A day is a calendar day in the publication's time zone: its UTC [start, end) is computed once
(days.py) and every query filters on plain timestamps, so indexes serve it and SQLite and
PostgreSQL agree.

Definitions (DailyPublicationStats, at the end of the day, "end" below):
- subscribed at a moment: confirmed before it (an import without confirmed_at: created before
  it), not pending, and not unsubscribed before it (unsubscribed rows with no unsubscribed_at
  never count). A resubscribe clears unsubscribed_at, so the reader then counts throughout.
- total = subscribed at the end; paid = those whose person had paid access at the end: a paid
  subscription that had paid (billing.revenue's rule: started, not ended, and not a failed first
  payment) or a grant of the publication (comp, gift, ...) covering the end; staff are not paid;
  free = total - paid.
- gained = confirmed during the day; lost = unsubscribed during the day (once subscribed);
  paid_gained / paid_lost = paid subscriptions and grants (of a subscriber) begun / ended that
  day.
- emails_sent = deliveries sent that day; opens = deliveries first opened that day (imported
  history included); clicks = click events that day; views = page hits; visitors = distinct
  visitor hashes of the day.
DailySourceStats: the day's gained by (bucket, utm_campaign); bucket is "utm:<utm_source>" when
the subscription has a utm_source (cut to the column's 16 characters), else "direct" (website,
staff), "referral", "recommendation" or "import"; paid_gained = those of them paid at the end.
DailyTraffic: views and distinct visitors per value of each dimension, the top 200 values by
views of each; blank values are skipped except for the device.
DailyPostStats (posts with any activity that day): views and visitors from page hits of the
post; opens and clicks of its newsletter's deliveries; likes; comments not deleted; restacks
(notes restacking it, not deleted); free_signups / paid_signups = subscriptions attributed to
it confirmed that day, paid when paid at the end of that day (the same rule as above).
PostTotals (published posts, to date): recipients = the send's recipient_count; delivered =
its sent deliveries; opens = deliveries opened; clicks = the sum of deliveries' clicks;
clickers = deliveries clicked; views and visitors = sums of the post's daily rows (raw hits are
pruned, daily rows are kept); likes, comments, restacks, signups counted to date from the
source tables. PostLinkClicks: one row per tracked link of the post's send, with its click
events and the distinct deliveries that clicked it.
SubscriberActivity: see activity.py; computed only when rebuilding today or yesterday (the
"now" view), relative to the end of the rebuilt day, to keep rebuilding old days cheap.
"""

from masthead.stats.rollups.rebuild import rebuild_day, rebuild_recent

__all__ = ["rebuild_day", "rebuild_recent"]
