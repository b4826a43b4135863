//! The command line's conventions: schema, new, completions, man page, colour, quiet and verbose.
