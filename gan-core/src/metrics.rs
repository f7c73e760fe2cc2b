//! The lab's music-quality metrics and the usual MuseGAN/pypianoroll set.
