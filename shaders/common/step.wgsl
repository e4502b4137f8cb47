// Per-step values shared by the kernels of one forward call, written once per call.
struct Step {
  pos: u32,       // position of the first token of this call
  n_tokens: u32,  // tokens in this call (1 when decoding)
  kv_len: u32,    // cached positions after this call: pos + n_tokens
  _pad: u32,
}
