//! The numbers the likelihoods are written over: `f64` for values and [`Dual`] for exact
//! gradients by forward-mode differentiation.
//!
//! Each model's log-likelihood is written once, generically over [`Real`]; evaluating it on
//! `Dual<N>` parameters gives the value and the analytic gradient in one pass, including the
//! derivatives of ₂F₁ with respect to its parameters (Pareto/NBD), which have no convenient
//! closed form. Hand-written because the crate made for this (`num-dual`) has no log-gamma and
//! brings nalgebra; the type below is the 120 lines the models need.

use std::ops::{Add, Div, Mul, Neg, Sub};

/// A real number that the likelihoods and special functions can be evaluated on.
pub trait Real:
    Copy
    + Send
    + Sync
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Add<f64, Output = Self>
    + Sub<f64, Output = Self>
    + Mul<f64, Output = Self>
    + Div<f64, Output = Self>
{
    /// A constant (zero derivatives).
    fn constant(value: f64) -> Self;
    /// The value, without derivatives.
    fn value(self) -> f64;
    fn ln(self) -> Self;
    fn exp(self) -> Self;
    fn ln_1p(self) -> Self;
    fn exp_m1(self) -> Self;
    fn ln_gamma(self) -> Self;
}

impl Real for f64 {
    fn constant(value: f64) -> Self {
        value
    }
    fn value(self) -> f64 {
        self
    }
    fn ln(self) -> Self {
        f64::ln(self)
    }
    fn exp(self) -> Self {
        f64::exp(self)
    }
    fn ln_1p(self) -> Self {
        f64::ln_1p(self)
    }
    fn exp_m1(self) -> Self {
        f64::exp_m1(self)
    }
    fn ln_gamma(self) -> Self {
        statrs::function::gamma::ln_gamma(self)
    }
}

/// A value with its gradient with respect to `N` parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dual<const N: usize> {
    pub value: f64,
    pub gradient: [f64; N],
}

impl<const N: usize> Dual<N> {
    /// Parameter `index` with value `value` and derivative `seed` (1 for ∂/∂p; p for ∂/∂ln p).
    pub fn variable(value: f64, index: usize, seed: f64) -> Self {
        let mut gradient = [0.0; N];
        gradient[index] = seed;
        Self { value, gradient }
    }

    /// f(self) given f(value) and f'(value).
    fn chain(self, value: f64, derivative: f64) -> Self {
        Self {
            value,
            gradient: self.gradient.map(|g| g * derivative),
        }
    }
}

impl<const N: usize> Real for Dual<N> {
    fn constant(value: f64) -> Self {
        Self {
            value,
            gradient: [0.0; N],
        }
    }
    fn value(self) -> f64 {
        self.value
    }
    fn ln(self) -> Self {
        self.chain(self.value.ln(), 1.0 / self.value)
    }
    fn exp(self) -> Self {
        let e = self.value.exp();
        self.chain(e, e)
    }
    fn ln_1p(self) -> Self {
        self.chain(self.value.ln_1p(), 1.0 / (1.0 + self.value))
    }
    fn exp_m1(self) -> Self {
        self.chain(self.value.exp_m1(), self.value.exp())
    }
    fn ln_gamma(self) -> Self {
        self.chain(
            statrs::function::gamma::ln_gamma(self.value),
            statrs::function::gamma::digamma(self.value),
        )
    }
}

impl<const N: usize> Add for Dual<N> {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        let mut gradient = self.gradient;
        for (g, h) in gradient.iter_mut().zip(o.gradient) {
            *g += h;
        }
        Self {
            value: self.value + o.value,
            gradient,
        }
    }
}

impl<const N: usize> Sub for Dual<N> {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        let mut gradient = self.gradient;
        for (g, h) in gradient.iter_mut().zip(o.gradient) {
            *g -= h;
        }
        Self {
            value: self.value - o.value,
            gradient,
        }
    }
}

impl<const N: usize> Mul for Dual<N> {
    type Output = Self;
    fn mul(self, o: Self) -> Self {
        let mut gradient = [0.0; N];
        for (i, g) in gradient.iter_mut().enumerate() {
            *g = self.gradient[i] * o.value + o.gradient[i] * self.value;
        }
        Self {
            value: self.value * o.value,
            gradient,
        }
    }
}

impl<const N: usize> Div for Dual<N> {
    type Output = Self;
    fn div(self, o: Self) -> Self {
        let value = self.value / o.value;
        let mut gradient = [0.0; N];
        for (i, g) in gradient.iter_mut().enumerate() {
            *g = (self.gradient[i] - value * o.gradient[i]) / o.value;
        }
        Self { value, gradient }
    }
}

impl<const N: usize> Neg for Dual<N> {
    type Output = Self;
    fn neg(self) -> Self {
        Self {
            value: -self.value,
            gradient: self.gradient.map(|g| -g),
        }
    }
}

impl<const N: usize> Add<f64> for Dual<N> {
    type Output = Self;
    fn add(self, o: f64) -> Self {
        Self {
            value: self.value + o,
            gradient: self.gradient,
        }
    }
}

impl<const N: usize> Sub<f64> for Dual<N> {
    type Output = Self;
    fn sub(self, o: f64) -> Self {
        Self {
            value: self.value - o,
            gradient: self.gradient,
        }
    }
}

impl<const N: usize> Mul<f64> for Dual<N> {
    type Output = Self;
    fn mul(self, o: f64) -> Self {
        Self {
            value: self.value * o,
            gradient: self.gradient.map(|g| g * o),
        }
    }
}

impl<const N: usize> Div<f64> for Dual<N> {
    type Output = Self;
    fn div(self, o: f64) -> Self {
        Self {
            value: self.value / o,
            gradient: self.gradient.map(|g| g / o),
        }
    }
}

/// ln(e^u + e^v) without overflow.
pub fn log_add_exp<R: Real>(u: R, v: R) -> R {
    if u.value() >= v.value() {
        u + (v - u).exp().ln_1p()
    } else {
        v + (u - v).exp().ln_1p()
    }
}

/// ln(1 + e^u) without overflow.
pub fn softplus<R: Real>(u: R) -> R {
    if u.value() > 0.0 {
        u + (-u).exp().ln_1p()
    } else {
        u.exp().ln_1p()
    }
}

/// ln(e^u − e^v) for u ≥ v; −∞ when they are equal.
pub fn log_sub_exp<R: Real>(u: R, v: R) -> R {
    u + (-(v - u).exp_m1()).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation's derivative against a central difference of its value.
    #[test]
    fn dual_derivatives_match_finite_differences() {
        fn f<R: Real>(x: R, y: R) -> R {
            let a = (x * y + 1.5).ln() - (x / y).exp_m1() * 0.3;
            let b = (x + y).ln_gamma() + log_add_exp(x, y * 2.0) - softplus(-x);
            a * b / (y - 0.1) + (x * 0.5).ln_1p() + log_sub_exp(x + 1.0, y)
        }
        let (x, y) = (0.7, 1.3);
        let d = f(
            Dual::<2>::variable(x, 0, 1.0),
            Dual::<2>::variable(y, 1, 1.0),
        );
        let h = 1e-6;
        let dx = (f(x + h, y) - f(x - h, y)) / (2.0 * h);
        let dy = (f(x, y + h) - f(x, y - h)) / (2.0 * h);
        assert!((d.value - f(x, y)).abs() < 1e-15);
        assert!(
            (d.gradient[0] - dx).abs() < 1e-7,
            "{} vs {dx}",
            d.gradient[0]
        );
        assert!(
            (d.gradient[1] - dy).abs() < 1e-7,
            "{} vs {dy}",
            d.gradient[1]
        );
    }
}
