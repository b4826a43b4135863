//! Pictures and words: svg, html, chrome and mermaid output, rendered for real with resvg; lost-update explanations.
