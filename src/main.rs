fn main() {
    println!("warroom");
}
