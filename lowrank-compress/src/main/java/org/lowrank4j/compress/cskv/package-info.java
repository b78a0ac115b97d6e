/** CSKV (c15): a dense decoder folder in, a decoder folder with shrunk key/value caches out. */
package org.lowrank4j.compress.cskv;
