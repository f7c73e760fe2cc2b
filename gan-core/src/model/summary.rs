//! Keras-style model summaries: one row per layer with its output shape and parameter count,
//! and for the convolutions the method their CPU kernel runs by.

use std::fmt;

use super::layers::BatchNorm;

/// The batch size at which a summary names each convolution's kernel method: the lab's
/// training batch. The method can change with the batch (one sample runs im2col where 64 run
/// Winograd's algorithm): the convolution layers' `method` gives it for any batch.
pub const KERNEL_BATCH: usize = 64;

/// One layer's row in a [`Summary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSummary {
    /// The layer's name, e.g. `down2_conv`.
    pub name: String,
    /// The Keras layer type, e.g. `Conv2D`.
    pub kind: &'static str,
    /// The output shape without the batch axis, in Keras' channels-last order.
    pub output_shape: Vec<usize>,
    /// The trainable parameter count.
    pub trainable: usize,
    /// The non-trainable parameter count (BatchNorm's moving statistics).
    pub non_trainable: usize,
    /// The method the layer's CPU kernel runs by at batch [`KERNEL_BATCH`] (convolutions only),
    /// e.g. `winograd`.
    pub kernel: Option<&'static str>,
}

impl LayerSummary {
    /// A row with explicit counts.
    pub fn new(
        name: impl Into<String>,
        kind: &'static str,
        output_shape: impl Into<Vec<usize>>,
        trainable: usize,
        non_trainable: usize,
    ) -> Self {
        Self {
            name: name.into(),
            kind,
            output_shape: output_shape.into(),
            trainable,
            non_trainable,
            kernel: None,
        }
    }

    /// The row of a convolution with `params` trainable values whose kernel runs by the method
    /// `kernel` at batch [`KERNEL_BATCH`] (the layer's `method`).
    pub fn conv(
        name: impl Into<String>,
        shape: impl Into<Vec<usize>>,
        params: usize,
        kernel: &'static str,
    ) -> Self {
        Self {
            kernel: Some(kernel),
            ..Self::new(name, "Conv2D", shape, params, 0)
        }
    }

    /// The row of a BatchNorm, its counts read from the layer's tensors.
    pub fn batch_norm(
        name: impl Into<String>,
        shape: impl Into<Vec<usize>>,
        bn: &BatchNorm,
    ) -> Self {
        Self::new(
            name,
            "BatchNormalization",
            shape,
            bn.trainable_count(),
            bn.non_trainable_count(),
        )
    }

    /// All parameters of the layer.
    pub fn params(&self) -> usize {
        self.trainable + self.non_trainable
    }
}

/// A model's layer table, printed like Keras' `model.summary()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The model's name.
    pub name: String,
    /// The layers in order.
    pub layers: Vec<LayerSummary>,
}

impl Summary {
    /// A summary of the model `name` with the given rows.
    pub fn new(name: impl Into<String>, layers: Vec<LayerSummary>) -> Self {
        Self {
            name: name.into(),
            layers,
        }
    }

    /// All parameters, trainable or not.
    pub fn total_params(&self) -> usize {
        self.layers.iter().map(LayerSummary::params).sum()
    }

    /// The trainable parameters.
    pub fn trainable_params(&self) -> usize {
        self.layers.iter().map(|l| l.trainable).sum()
    }

    /// The non-trainable parameters.
    pub fn non_trainable_params(&self) -> usize {
        self.layers.iter().map(|l| l.non_trainable).sum()
    }
}

/// Formats a count with thousands separators, as Keras does: 8,273,540.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const W: [usize; 4] = [36, 24, 12, 20];
        let rule = |c: char| c.to_string().repeat(W.iter().sum::<usize>());
        writeln!(f, "Model: \"{}\"", self.name)?;
        writeln!(f, "{}", rule('='))?;
        writeln!(
            f,
            "{:<w0$}{:<w1$}{:>w2$}  Kernel (batch {KERNEL_BATCH})",
            "Layer (type)",
            "Output Shape",
            "Param #",
            w0 = W[0],
            w1 = W[1],
            w2 = W[2]
        )?;
        writeln!(f, "{}", rule('='))?;
        for layer in &self.layers {
            let dims: Vec<String> = layer.output_shape.iter().map(usize::to_string).collect();
            let row = format!(
                "{:<w0$}{:<w1$}{:>w2$}  {}",
                format!("{} ({})", layer.name, layer.kind),
                format!("(None, {})", dims.join(", ")),
                grouped(layer.params()),
                layer.kernel.unwrap_or(""),
                w0 = W[0],
                w1 = W[1],
                w2 = W[2]
            );
            writeln!(f, "{}", row.trim_end())?;
        }
        writeln!(f, "{}", rule('='))?;
        writeln!(f, "Total params: {}", grouped(self.total_params()))?;
        writeln!(f, "Trainable params: {}", grouped(self.trainable_params()))?;
        write!(
            f,
            "Non-trainable params: {}",
            grouped(self.non_trainable_params())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands_like_keras() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(8_273_540), "8,273,540");
    }

    #[test]
    fn totals_add_rows() {
        let s = Summary::new(
            "m",
            vec![
                LayerSummary::new("a", "Dense", [3], 10, 0),
                LayerSummary::new("b", "BatchNormalization", [3], 6, 6),
            ],
        );
        assert_eq!(s.total_params(), 22);
        assert_eq!(s.trainable_params(), 16);
        assert_eq!(s.non_trainable_params(), 6);
        let text = s.to_string();
        assert!(text.contains("a (Dense)"), "{text}");
        assert!(text.contains("Total params: 22"), "{text}");
    }
}
