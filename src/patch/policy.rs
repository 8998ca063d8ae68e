//! The token patch policy: which paths and operations each API allows on a token.
