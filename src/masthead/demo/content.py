"""The demo publication, "Engineering At Scale": the twelve posts of its archive as readers saw it.

Titles, subtitles, dates and counts are those of the real archive page (typos included);
the bodies are placeholders written for this demo and say so.
"""

PUBLICATION = {
    "name": "Engineering At Scale",
    "slug": "engineering-at-scale",
    "tagline": "How the systems behind the world's largest products are designed, one case study at a time.",
    "about": (
        "Engineering At Scale explains how large systems are built: outages and what they "
        "taught, migrations that took years, and the architecture behind products used by "
        "billions.\n\n"
        "*This is Masthead's demo publication. Its titles, dates and counts come from a real "
        "newsletter's archive; the post bodies are demo text written for Masthead.*"
    ),
}

AUTHOR = {"name": "Animesh Gaitonde", "email": "animesh@demo.example.com"}

# (title, subtitle, date, likes, comments), newest first, exactly as on the archive page.
POSTS = [
    ("Anatomy of Facebook's 2010 outage: Cache invalidation gone wrong", "How a cache validation bug cascaded into Facebook's longest downtime", "2025-09-02", 6, 0),
    ("Library vs Service: Lessons from Netflix's Multi-Year Migration", "In-depth framework to choose between a library and a service", "2025-05-29", 8, 0),
    ("How NGINX's Event-Driven Architecture Handles Million Concurrent Connections ?", "Overview of NGNIX's Event Driven Non-Blocking I/O Architecture", "2025-03-17", 32, 2),
    ("Redis Persistence Dive Deep - Trade-offs Between Performance And Durability", "Understanding AOF and RDB strategies, their trade-offs and applications", "2025-03-02", 22, 4),
    ("Scaling Distributed Systems with the Scatter-Gather Pattern", "What is Scatter-Gather pattern ? How does it work and its applications", "2025-02-15", 8, 2),
    ("Designing Instagram's Video Uploads: Optimizing for Low Latency and scalability", "System Design, Architecture, and Trade-offs in Building a Video Upload Service", "2025-01-20", 33, 2),
    ("Zerodha's Innovative Hack: Scaling Reporting with 7 Million PostgreSQL Tables", "How Zerodha scaled its reporting layer through a PostgrSQL hack ?", "2025-01-09", 6, 0),
    ("Unraveling the Internals of Video Streaming services", "A comprehensive guide to key concepts, terminologies and working of Video Streaming apps", "2024-12-22", 7, 0),
    ("TAO - Meta's scalable architecture powering world's largest social graph", "Meta (formerly Facebook) has more than 2 billion Daily Active Users (DAU).", "2024-11-09", 9, 2),
    ("Unleashing the power of Change Data Capture (CDC) for Real-Time Data Syncing", "CDC - Working, Application and Challenges", "2024-10-21", 19, 1),
    ("Master System Design Interviews: A 6-Step Framework for Success", "Structured approach to nail your next System Design Interview", "2024-10-13", 9, 0),
    ("Designing Real-Time Collaborative Systems: A Deep Dive into Mouse Pointer Tracking", 'A decade ago, system design interview questions were broad, like "Design Facebook" or "Design WhatsApp," which were too complex to cover in an hour.', "2024-10-06", 4, 0),
]  # fmt: skip

READER_NAMES = [
    "Asha Rao", "Ben Okafor", "Chen Wei", "Dana Kowalski", "Elif Demir", "Farah Haddad",
    "Gustavo Lima", "Hana Sato", "Ivan Petrov", "Jonas Berg", "Kavya Iyer", "Liam Walsh",
    "Maya Cohen", "Nikhil Shah", "Olga Novak", "Pedro Alves", "Qin Yu", "Rosa Martín",
    "Sam Taylor", "Tomás Ruiz", "Uma Menon", "Victor Hugo", "Wen Li", "Xavier Dubois",
    "Yara Nasser", "Zoe Clarke", "Arjun Nair", "Bianca Rossi", "Carlos Vega", "Deepa Kulkarni",
    "Emil Larsen", "Fatima Zahra", "Georg Huber",
]  # fmt: skip

COMMENTS = [
    "Clear write-up. The trade-off table at the end is the part I will keep coming back to.",
    "We hit almost exactly this in production last year; wish I had read this first.",
    "Would love a follow-up on how this behaves during a network partition.",
    "The diagrams made this click for me. Thanks for taking the time.",
    "How would you size this for a team of five engineers rather than five hundred?",
    "Sharing this with my team before our design review next week.",
]


def post_body(title: str, subtitle: str) -> str:
    return (
        "*This is demo text. Masthead's demo publication reuses the titles, dates and counts of a "
        "real newsletter's archive; the article itself is not reproduced here.*\n\n"
        f"## What the post is about\n\n{subtitle}. In the original newsletter, this post walks "
        "through the problem, the constraints the engineers faced, and the design they chose, "
        "with diagrams along the way.\n\n"
        "## How a Masthead post reads\n\n"
        "Posts are written in Markdown and rendered to clean, sanitized HTML: headings, "
        "**bold** and *italic* text, `inline code`, links, lists and quotes all work.\n\n"
        "> Good systems writing explains the trade-off, not just the choice.\n\n"
        f"Replace this text with your own writing about “{title}” from the desk once you "
        "make this publication yours."
    )
