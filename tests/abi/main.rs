//! The C ABI and the repository around it: C, C++ and Go programs against
//! the library (plain and under valgrind), the header (compiles, matches
//! cbindgen), the installed library, and the layer rule of the source.

#[path = "../support/mod.rs"]
mod support;

mod c_abi;
mod cpp_abi;
mod go_binding;
mod header_compile;
mod header_drift;
mod install;
mod layers;
