# Why real twiddles cannot give the DCT-II (results/butterfly/README.md): for every half S of the N columns, the largest
# sin^2 of the angle between DCT rows k and k+N/2 restricted to S or to its complement; a real butterfly times a permutation
# needs a half where all of them are 0. Prints the smallest such maximum: 0.5 for N = 8 and 16.
# Run: python3 results/butterfly/real-twiddle-check.py
import numpy as np, itertools
def dct(n):
    k=np.arange(n)[:,None]; m=np.arange(n)[None,:]
    return np.where(k==0,np.sqrt(1/n),np.sqrt(2/n))*np.cos(np.pi*k*(2*m+1)/(2*n))
for n in (8,16):
    C=dct(n); h=n//2; best=9
    for S1 in itertools.combinations(range(n),h):
        S2=[m for m in range(n) if m not in S1]; w=0
        for S in (list(S1),S2):
            for k in range(h):
                a=C[k,S]; b=C[k+h,S]; w=max(w,1-(a@b)**2/((a@a)*(b@b)))
        best=min(best,w)
    print(n,best)
