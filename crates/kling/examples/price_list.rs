//! The price list of the whole catalog, from the generated code alone (no network).
//!
//! ```sh
//! cargo run -p kling --example price_list
//! ```

use kling::ModelId;

fn main() {
    println!("{:<58} {:>14} {:>10}", "model", "base µ¢", "per job");
    for id in ModelId::iter() {
        let info = id.info();
        let unit = if info.flat { "flat" } else { "× factors" };
        println!(
            "{:<58} {:>14} {:>10}  {unit}",
            id.slug(),
            info.base_cost.get(),
            info.base_cost.to_string()
        );
    }
}
