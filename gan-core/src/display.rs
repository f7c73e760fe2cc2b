//! Display helpers for evcxr notebooks: images and inline audio.
