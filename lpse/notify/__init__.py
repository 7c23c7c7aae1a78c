"""Notifications (core floor): the in-app inbox of each user and the mail outbox.

The domain modules decide who is concerned and what to say (tenders/news.py); this package
keeps the rows, delivers the mail from the queue and shows the pages. It imports nothing above
the core floor."""
