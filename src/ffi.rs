//! The C ABI: thin `extern "C"` wrappers that check and convert arguments and
//! call the Rust API. No formula lives here.
