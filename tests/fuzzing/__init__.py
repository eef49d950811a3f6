"""The fuzzer behind tests/test_no_server_errors.py: every URL pattern, real and malformed input.

- endpoints: the URL patterns, from the resolver, so a pattern added later is fuzzed unlisted;
  their paths with real and malformed parameters.
- world: one of everything a path can name (post, comment, note, chat thread, send, invitation,
  import job...) made through the apps' services, and the tokens links carry.
- forms: the forms the site serves, read from its HTML, so their fields need no list either.
- payloads: the values, bodies and query strings sent, fixed and made by hypothesis.
- requests: who sends them, and the check that turns a 500 into a readable failure.
"""
