//! placeholder: the web helper replaces this.
