//! The page header: the product name and what it is for, in one line.

use yew::prelude::*;

/// The banner at the top of every page.
#[component]
pub fn SiteHeader() -> Html {
    html! {
        <header class="site-header">
            <div class="site-header-inner">
                <svg class="brand-mark" viewBox="0 0 32 32" width="28" height="28"
                    aria-hidden="true" focusable="false">
                    <rect x="1" y="1" width="30" height="30" rx="7" class="brand-mark-bg" />
                    <rect x="7" y="8" width="18" height="4" rx="1.5" class="brand-mark-bar" />
                    <rect x="7" y="14" width="18" height="4" rx="1.5" class="brand-mark-bar" />
                    <rect x="7" y="20" width="11" height="4" rx="1.5" class="brand-mark-bar" />
                </svg>
                <div class="brand-text">
                    <h1>{"EOS Lab"}</h1>
                    <p class="tagline">
                        {"Watch, one step at a time, how Apache Kafka turns retries and crashes \
                          into exactly-once results."}
                    </p>
                </div>
            </div>
        </header>
    }
}
