"""The simulated readers' interests for bench/recommend.py, as rules over title + abstract
(regular expressions, case-insensitive), written before any method was measured on them."""

from __future__ import annotations

# Narrow topics as rules over title + abstract (regular expressions, case-insensitive).
# Several have more than one surface form (an acronym, a synonym) that words alone must learn.
INTERESTS = {
    "gaussian splatting": [r"gaussian splat", r"\b3dgs\b"],
    "speculative decoding": [r"speculative decod", r"draft model", r"\bdraft tokens?\b"],
    "machine unlearning": [r"unlearn"],
    "mixture of experts": [r"mixture[- ]of[- ]experts", r"\bmoe\b"],
    "KV cache": [r"\bkv[- ]cache"],
    "vision-language-action models": [r"vision[- ]language[- ]action", r"\bvlas?\b"],
    "retrieval-augmented generation": [r"retrieval[- ]augmented", r"\brag\b"],
    "hallucination in multimodal models": [
        r"hallucinat.{0,200}(vision|multimodal|\blvlm|\bmllm|\bvlm|image)",
        r"(vision|multimodal|\blvlm|\bmllm|\bvlm).{0,200}hallucinat"],
    "jailbreak attacks": [r"jailbreak"],
    "watermarking": [r"watermark"],
    "sparse autoencoders": [r"sparse autoencoder", r"\bsaes?\b"],
    "reward hacking": [r"reward hacking", r"reward model over", r"reward overoptim"],
    "test-time scaling": [r"test[- ]time scaling", r"test[- ]time compute"],
    "neural radiance fields": [r"radiance field", r"\bnerfs?\b"],
    "video generation": [r"text[- ]to[- ]video", r"video generation"],
    "driving planning": [r"(autonomous driving|self-driving).{0,200}(planning|planner|trajector)",
                         r"end[- ]to[- ]end driving"],
    "medical image segmentation": [r"medical image segmentation",
                                   r"(tumou?r|lesion|organ) segmentation"],
    "remote sensing": [r"remote sensing", r"satellite imag"],
    "point clouds": [r"point cloud"],
    "federated learning": [r"federated"],
    "graph neural networks": [r"graph neural network", r"\bgnns?\b"],
    "state space models": [r"state[- ]space model", r"\bmamba\b"],
    "LLM quantization": [r"quantiz.{0,100}(llm|language model)",
                         r"(llm|language model).{0,100}quantiz"],
    "sign language": [r"sign language"],
    "speech synthesis": [r"text[- ]to[- ]speech", r"\btts\b", r"speech synthesis"],
    "code generation": [r"code generation"],
    "RL with verifiable rewards": [r"\bgrpo\b", r"reinforcement learning with verifiable reward",
                                   r"\brlvr\b"],
    "GUI and web agents": [r"\bgui agent", r"web agent", r"computer[- ]use agent"],
    "deepfake detection": [r"deepfake", r"(ai-generated|synthetic) image detection",
                           r"forgery detection"],
    "continual learning": [r"continual learning", r"catastrophic forgetting"],
    "galaxy clusters": [r"galaxy clusters?"],
    "dark energy": [r"dark energy", r"baryon acoustic"],
    "gravitational lensing": [r"gravitational lens", r"weak lensing", r"strong lensing"],
    "channel estimation and MIMO": [r"channel estimation", r"\bmimo\b"],
    "human motion generation": [r"motion generation", r"human motion synthes"],
    "anomaly detection": [r"anomaly detection"],
    "low-resource languages": [r"(low[- ]resource).{0,100}(translation|languages?)"],
    "emotion recognition": [r"emotion recognition"],
    "knowledge distillation": [r"knowledge distillation"],
    "optical and scene flow": [r"optical flow", r"scene flow"],
    "parameter-efficient fine-tuning": [r"\blora\b", r"parameter[- ]efficient fine[- ]tuning",
                                        r"\bpeft\b"],
}

# The "meaning" suite: each interest has the wording its liked papers are picked by (they use
# it and none of the other) and other wordings of the same interest; a paper is relevant when
# it uses any. So a reader whose likes say "mixture of experts" must also be shown the papers
# that only say "MoE" or "routed experts", which words learned from the likes alone miss.
# TUNE may inform a choice of settings; HELD never does (nothing was tuned on it).
TUNE = {
    "mixture of experts": (r"mixture[- ]of[- ]experts",
                           r"\bmoe\b|expert routing|sparse experts|routed experts"),
    "state space models": (r"\bmamba\b", r"state[- ]space model|\bssms?\b|selective scan"),
    "RL with verifiable rewards": (r"\bgrpo\b", r"verifiable rewards?|\brlvr\b"),
    "GUI and web agents": (r"\bgui agents?",
                           r"web agents?|computer[- ]use|browser agents?|web navigation"),
    "deepfake detection": (r"deepfake", r"(ai-generated|synthetic|generated) (image|video)s? "
                           r"detection|forgery detection|face forgery|face manipulation"),
}
HELD = {
    "remote sensing": (r"remote sensing", r"satellite imag|aerial imag|earth observation"),
    "continual learning": (r"continual learning",
                           r"catastrophic forgetting|lifelong learning|class[- ]incremental"),
    "autonomous driving": (r"autonomous driving", r"self[- ]driving|autonomous vehicles?"),
    "medical image segmentation": (r"medical image segmentation",
                                   r"(tumou?r|lesion|organ|polyp) segmentation"),
    "code generation": (r"code generation",
                        r"program synthesis|code llms?|coding agents?|code completion"),
    "jailbreak attacks": (r"jailbreak",
                          r"red[- ]teaming|adversarial prompts?|harmful (request|prompt)s?"),
    "point clouds": (r"point clouds?", r"lidar"),
    "knowledge distillation": (r"knowledge distillation", r"teacher[- ]student|student models?"),
    "graph neural networks": (r"graph neural networks?|\bgnns?\b",
                              r"message passing|graph convolution|graph transformer"),
}

# The "subareas" suite: each interest is a field made of sub-areas that share few words (a
# reader of "speech and audio" who liked text-to-speech papers also wants speaker
# verification and music generation). Likes are picked from the first sub-area only (papers
# matching none of the others); a paper matching any sub-area is relevant. Readers hold 1, 3
# or 5 unrelated interests. Written before any method was run on them; SUB_HELD is never used
# to choose a setting.
SUB_TUNE = {
    "robot learning": [r"robot(ic)? manipulation|\bgrasp(ing)?\b|dexterous",
                       r"legged|quadruped|\blocomotion\b",
                       r"vision[- ]and[- ]language navigation|embodied navigation|\bvln\b"],
    "efficient LLM inference": [
        r"quantiz.{0,100}(llm|language model)|(llm|language model).{0,100}quantiz",
        r"speculative decod|draft model",
        r"\bkv[- ]cache",
        r"pruning.{0,60}(llm|language model)|(llm|language model).{0,60}pruning"],
    "speech and audio": [r"text[- ]to[- ]speech|speech synthesis|\btts\b",
                         r"speech recognition|\basr\b",
                         r"music generation|symbolic music|music (understanding|transcription)",
                         r"speaker (verification|diarization|recognition)"],
    "AI for biology and chemistry": [
        r"protein (structure|design|folding|language model|sequence)",
        r"molecul(e|ar) (generation|design|property)|drug discovery",
        r"single[- ]cell|gene expression|genomic"],
    "machine learning security": [r"jailbreak", r"backdoor",
                                  r"membership inference|differential(ly)? privacy|private",
                                  r"watermark"],
}
SUB_HELD = {
    "3D reconstruction and mapping": [r"gaussian splat|\b3dgs\b",
                                      r"depth estimation",
                                      r"\bslam\b|visual odometry",
                                      r"(6d|object) pose estimation"],
    "medical AI": [r"medical image segmentation|(tumou?r|lesion|organ|polyp) segmentation",
                   r"radiology report|chest x-?ray",
                   r"histopatholog|whole[- ]slide",
                   r"electronic health records?|clinical notes"],
    "weather and climate": [r"weather forecast", r"climate (model|projection|change)",
                            r"precipitation|nowcasting"],
    "autonomous driving": [
        r"(autonomous driving|self-driving).{0,200}(planning|planner|trajector)"
        r"|end[- ]to[- ]end driving",
        r"bird'?s[- ]eye[- ]view|\bbev\b",
        r"occupancy (prediction|forecasting)|3d occupancy",
        r"traffic (simulation|scenario)"],
    "recommender systems": [r"sequential recommendation", r"click[- ]through rate|\bctr\b",
                            r"collaborative filtering",
                            r"(generative|llm[- ]based|llm-powered) recommend"],
    "document AI": [r"\bocr\b|optical character recognition|text recognition",
                    r"table (understanding|question answering|extraction|recognition)",
                    r"chart (understanding|question answering|reasoning)",
                    r"document layout|document understanding"],
    "mathematical reasoning": [r"theorem prov|\blean ?4?\b|autoformali[sz]",
                               r"math word problems?|\bgsm8k\b",
                               r"geometry problems?|geometric reasoning"],
    "human motion and avatars": [r"motion generation|text[- ]to[- ]motion",
                                 r"avatars?\b|talking head",
                                 r"human pose estimation|hand pose",
                                 r"human[- ]object interaction"],
    "cosmology": [r"galax(y|ies) (formation|evolution)",
                  r"dark energy|cosmic microwave|\bcmb\b|cosmological (parameters|constraints)",
                  r"gravitational[- ]waves?"],
    "wireless communications": [r"\bmimo\b|beamforming",
                                r"reconfigurable intelligent surface|\bris\b",
                                r"integrated sensing and communication|\bisac\b",
                                r"semantic communication"],
}
