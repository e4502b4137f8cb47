// The sampling settings every sampling pass reads, written when the caller changes them.

struct Settings {
  mode: u32,             // 0: greedy; 1: temperature over the whole vocabulary; 2: truncated (top-k/top-p/min-p)
  top_k: u32,            // mode 2: candidates considered, <= KEEP (KEEP when top-k is off)
  need_z: u32,           // mode 2: 1 when top-p is relative to the whole vocabulary (top-k off)
  penalize: u32,         // 1: apply the penalties first
  window: u32,           // penalty window, in positions (<= the history size)
  seed: u32,
  inv_temperature: f32,  // 1 / temperature (modes 1 and 2)
  top_p: f32,            // 1 = off
  min_p: f32,            // 0 = off
  repetition: f32,
  frequency: f32,
  presence: f32,
}
