/* The rich editor's bundle is built by `make editor` from editor/ (issue 18). */
