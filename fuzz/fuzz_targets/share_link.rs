//! Share links (`eos_core::run::share::decode`): the input as a link fragment as it is, and as
//! the JSON inside a `v2` and a `v1` link, packed as the lab packs it, since mutated base64 of
//! deflate rarely gets past the outer layers. A lab a link opens to must open the same when
//! shared again.
#![no_main]

use eos_core::run::share::{self, SharedLink};
use eos_fuzz::pack_link;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(fragment) = std::str::from_utf8(data) {
        let _ = share::decode(fragment);
    }
    for tag in [share::LINK_VERSION, share::LINK_VERSION_1] {
        let Ok(link) = share::decode(&pack_link(tag, data)) else {
            continue;
        };
        let lab = link.into_lab();
        let _ = lab.run_so_far();
        let _ = lab.script_ahead();
        let again = share::decode(&share::encode(&lab)).map(SharedLink::into_lab);
        assert_eq!(
            again.as_ref(),
            Ok(&lab),
            "a shared lab opens the same when shared again"
        );
    }
});
