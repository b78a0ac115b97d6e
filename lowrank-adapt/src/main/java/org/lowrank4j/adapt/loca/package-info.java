/**
 * LoCA (spec ../shared/methods/05-nola-loca.md B) as an adapter variant: a few coefficients of the 2-D inverse DCT at
 * learned frequency locations, with the finite-difference location gradient and the alternating schedule.
 */
package org.lowrank4j.adapt.loca;
