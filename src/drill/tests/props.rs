//! Random command sequences from random actors against random small runbooks.
