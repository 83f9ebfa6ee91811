mod jar;
mod parse;
mod rules;
