//! What the shop sells: a fixed list, enough to walk every flow.

use dojo_payments::types::{Currency, Money};

/// A product on sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    /// Its id in forms and URLs.
    pub slug: &'static str,
    /// Its name.
    pub name: &'static str,
    /// Its price in pence.
    pub pence: i64,
    /// Whether payment is authorized at checkout and captured later, in
    /// parts (a deposit), rather than captured at once.
    pub manual_capture: bool,
}

impl Product {
    /// The price.
    pub fn price(&self) -> Money {
        Money::new(self.pence, Currency::GBP)
    }
}

/// Everything on sale.
pub const PRODUCTS: [Product; 3] = [
    Product {
        slug: "coffee",
        name: "Coffee beans, 1 kg",
        pence: 1250,
        manual_capture: false,
    },
    Product {
        slug: "teapot",
        name: "Cast-iron teapot",
        pence: 3200,
        manual_capture: false,
    },
    Product {
        slug: "hamper",
        name: "Hamper (made to order: paid as it is packed)",
        pence: 8000,
        manual_capture: true,
    },
];

/// The product `slug`.
pub fn product(slug: &str) -> Option<Product> {
    PRODUCTS.into_iter().find(|p| p.slug == slug)
}

/// The no-show fee of a table booking.
pub const NO_SHOW_FEE: Money = Money::new(2000, Currency::GBP);

/// What the customer agrees to when booking.
pub const NO_SHOW_TERMS: &str = "If you do not come and do not cancel 24 hours ahead, \
    a no-show fee of 20.00 GBP is charged to this card.";
