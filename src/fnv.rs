//! FNV-1a over 64 bits: a hash that gives the same value in every build, run and machine, unlike
//! std's `DefaultHasher` (keyed at random). For what outlives a process: digests the store keeps
//! (the sources' settings in `works_derived`), index tokens (word pairs' buckets) and the digests
//! pinned tests compare across builds.

/// An FNV-1a hasher; [`Fnv1a::write`] the bytes, then [`Fnv1a::finish`].
#[derive(Clone, Copy, Debug)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Fnv1a {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    #[inline]
    pub fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn finish(self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Fnv1a;

    fn of(bytes: &[u8]) -> u64 {
        let mut hash = Fnv1a::default();
        hash.write(bytes);
        hash.finish()
    }

    /// The published FNV-1a 64 test vectors: a change of constant or order fails here.
    #[test]
    fn gives_the_published_values() {
        assert_eq!(of(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(of(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(of(b"foobar"), 0x8594_4171_f739_67e8);
        let mut split = Fnv1a::default();
        split.write(b"foo");
        split.write(b"bar");
        assert_eq!(split.finish(), of(b"foobar"));
    }
}
